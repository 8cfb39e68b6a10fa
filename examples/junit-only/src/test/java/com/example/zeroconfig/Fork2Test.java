package com.example.zeroconfig;

class Fork2Test extends AbstractFork {}
